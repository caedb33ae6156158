import type { ModelConfig } from '@bedrock-mcp/contracts';
import type { ModelProvider } from './model-provider.js';

export interface ModelRegistryOptions {
  /** conf/config.json `models`. */
  models: readonly ModelConfig[];
  /** `use_bedrock`: the provider of models that do not name one. */
  useBedrock: boolean;
  bedrock: ModelProvider;
  openai: ModelProvider;
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
    const provider = (model.provider ?? (this.options.useBedrock ? 'bedrock' : 'openai')) === 'bedrock' ? this.options.bedrock : this.options.openai;
    return { model, provider };
  }

  get modelIds(): string[] {
    return [...this.models.keys()];
  }
}
