// A topic's effective config as a node resolves it from the metadata image: the topic's
// own overrides, then the cluster's dynamic overrides, then the node's static config
// (ServerTopicConfigSynonyms order within each). The controller and brokers share this.

import { effectiveTopicConfig, parseBrokerConfig, parseTopicConfigOverrides, type BrokerConfig, type TopicConfig } from '../config.ts'
import type { MetadataImage } from './image.ts'

export class TopicConfigResolver {
  private cluster: BrokerConfig
  private readonly topics = new Map<string, TopicConfig>()

  constructor(
    /** The node's static config as the user wrote it (Kafka names). */
    private readonly staticInput: Record<string, unknown>,
    private readonly image: MetadataImage,
  ) {
    this.cluster = this.resolveCluster()
  }

  /** The cluster config in force: the static config with dynamic overrides applied. */
  get clusterConfig(): BrokerConfig {
    return this.cluster
  }

  /** The static config plus dynamic overrides, as Kafka names to values. */
  clusterConfigInput(): Record<string, unknown> {
    return { ...this.staticInput, ...Object.fromEntries(this.image.clusterConfigs) }
  }

  topic(name: string): TopicConfig {
    let config = this.topics.get(name)
    if (!config) {
      const overrides = parseTopicConfigOverrides(Object.fromEntries(this.image.topicConfigs.get(name) ?? []), `topic ${name} config`)
      config = effectiveTopicConfig(this.cluster, overrides)
      this.topics.set(name, config)
    }
    return config
  }

  /** Call after replaying Config or RemoveTopic records. */
  invalidate(): void {
    this.cluster = this.resolveCluster()
    this.topics.clear()
  }

  private resolveCluster(): BrokerConfig {
    return parseBrokerConfig(this.clusterConfigInput(), 'cluster config')
  }
}
