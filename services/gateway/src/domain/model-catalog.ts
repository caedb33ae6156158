import type { ListModelsResponseSchema, ModelConfig, OpenAiModelList } from '@bedrock-mcp/contracts';
import type { z } from 'zod';
import { GatewayError } from './gateway-error.js';

/** The models of conf/config.json: the only ones a chat request may name. */
export class ModelCatalog {
  private readonly byId: ReadonlyMap<string, ModelConfig>;

  constructor(
    private readonly models: readonly ModelConfig[],
    /** epoch seconds, reported as each model's `created`. */
    private readonly created = Math.floor(Date.now() / 1000),
  ) {
    this.byId = new Map(models.map((model) => [model.model_id, model]));
  }

  /** The model, or 404 `model_not_found`. */
  require(modelId: string): ModelConfig {
    const model = this.byId.get(modelId);
    if (!model) throw new GatewayError('model_not_found', `The model '${modelId}' does not exist or is not configured.`, 'model');
    return model;
  }

  /** `GET /v1/models` (OpenAI). */
  openAiList(): OpenAiModelList {
    return { object: 'list', data: this.models.map((model) => ({ id: model.model_id, object: 'model', created: this.created, owned_by: model.provider ?? 'bedrock' })) };
  }

  /** `GET /v1/list/models` (the seed's). */
  seedList(): z.infer<typeof ListModelsResponseSchema> {
    return {
      models: this.models.map((model) => ({
        model_id: model.model_id,
        model_name: model.model_name,
        supports_thinking: model.supports_thinking,
        supports_images: model.supports_images,
        supports_documents: model.supports_documents,
      })),
    };
  }
}
