import { providerIdOf, type ModelConfig } from '@bedrock-mcp/contracts';
import type { ModelProvider } from './model-provider.js';

export interface ModelRegistryOptions {
  /** conf/config.json `models`. */
  models: readonly ModelConfig[];
  /** `use_bedrock`: the provider of models that do not name one. */
  useBedrock: boolean;
  /** Every provider by id: the built-in `bedrock` and `openai`, and conf/config.json's `providers`. */
  providers: ReadonlyMap<string, ModelProvider>;
}

/** Which models exist (conf/config.json) and which provider serves each. */
export class ModelRegistry {
  private readonly models: ReadonlyMap<string, ModelConfig>;

  constructor(private readonly options: ModelRegistryOptions) {
    this.models = new Map(options.models.map((model) => [model.model_id, model]));
  }

  /** The model's configuration and provider, or undefined for a model id conf/config.json does not list. */
  resolve(modelId: string): { model: ModelConfig; provider: ModelProvider } | undefined {
    const model = this.models.get(modelId);
    if (!model) return undefined;
    const providerId = providerIdOf(model, this.options.useBedrock);
    const provider = this.options.providers.get(providerId);
    // conf/config.json is validated: a model names a built-in provider or one of `providers`.
    if (!provider) throw new Error(`no provider '${providerId}' for model ${modelId}`);
    return { model, provider };
  }

  get modelIds(): string[] {
    return [...this.models.keys()];
  }
}
