import { isModelAvailable, providerIdOf, type ListModelsResponseSchema, type ModelConfig, type OpenAiModelList } from '@bedrock-mcp/contracts';
import type { z } from 'zod';
import { GatewayError } from './gateway-error.js';

/** Which built-in providers this deployment set up (use_bedrock, COMPATIBLE_API_BASE). */
export interface ProviderDeployment {
  useBedrock: boolean;
  compatibleApiBase: string | undefined;
  /** The kind of each named provider of conf/config.json (`providers`). */
  providerKinds?: Readonly<Record<string, 'bedrock' | 'openai'>>;
}

/**
 * The models of conf/config.json whose provider is set up here: the only ones a chat request may
 * name and the ones the lists show (the seed's mode, use_bedrock=0, hides the Bedrock models).
 */
export class ModelCatalog {
  private readonly models: readonly ModelConfig[];
  private readonly byId: ReadonlyMap<string, ModelConfig>;

  constructor(
    models: readonly ModelConfig[],
    private readonly deployment: ProviderDeployment,
    /** epoch seconds, reported as each model's `created`. */
    private readonly created = Math.floor(Date.now() / 1000),
  ) {
    this.models = models.filter((model) => isModelAvailable(model, deployment));
    this.byId = new Map(this.models.map((model) => [model.model_id, model]));
  }

  /** The model, if it is one of this deployment's. */
  find(modelId: string): ModelConfig | undefined {
    return this.byId.get(modelId);
  }

  /** The model, or 404 `model_not_found`. */
  require(modelId: string): ModelConfig {
    const model = this.find(modelId);
    if (!model) throw new GatewayError('model_not_found', `The model '${modelId}' does not exist or is not configured.`, 'model');
    return model;
  }

  /** Which API serves the model: Bedrock's Converse or an OpenAI-compatible one. */
  providerKindOf(model: ModelConfig): 'bedrock' | 'openai' {
    const provider = providerIdOf(model, this.deployment.useBedrock);
    if (provider === 'bedrock' || provider === 'openai') return provider;
    return this.deployment.providerKinds?.[provider] ?? 'openai';
  }

  /** `GET /v1/models` (OpenAI), with each model's provider and capabilities. */
  openAiList(): OpenAiModelList {
    return {
      object: 'list',
      data: this.models.map((model) => ({
        id: model.model_id,
        object: 'model',
        created: this.created,
        owned_by: providerIdOf(model, this.deployment.useBedrock),
        name: model.model_name,
        capabilities: {
          thinking: model.supports_thinking,
          images: model.supports_images,
          documents: model.supports_documents,
          tool_use: model.supports_tool_use,
          prompt_caching: model.supports_prompt_caching,
        },
        ...(model.context_window !== undefined ? { context_window: model.context_window } : {}),
        ...(model.max_output_tokens !== undefined ? { max_output_tokens: model.max_output_tokens } : {}),
      })),
    };
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
