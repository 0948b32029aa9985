// One sentence per KRaft metadata record, for the metadata log inspector.

import type { MetadataRecord } from '../../core/metadata/records.ts'

function list(values: readonly number[] | undefined): string {
  return values === undefined ? '' : `[${values.join(', ')}]`
}

export function describeMetadataRecord(record: MetadataRecord): string {
  const r = record as MetadataRecord & Record<string, unknown>
  switch (record.type) {
    case 'RegisterBroker':
      return `broker ${record.brokerId} registers (epoch ${record.brokerEpoch}, ${record.fenced ? 'fenced' : 'unfenced'})`
    case 'BrokerRegistrationChange':
      return `broker ${record.brokerId} is now ${record.fenced ? 'fenced' : 'unfenced'}`
    case 'Topic':
      return `topic ${record.name} created (id ${record.topicId})`
    case 'Partition':
      return `partition ${record.partitionId}: replicas ${list(record.replicas)}, ISR ${list(record.isr)}, leader ${record.leader}, epoch ${record.leaderEpoch}`
    case 'PartitionChange': {
      const parts: string[] = []
      if (record.leader !== undefined) parts.push(record.leader === -1 ? 'no leader' : `leader ${record.leader}`)
      if (record.isr !== undefined) parts.push(`ISR ${list(record.isr)}`)
      if (record.eligibleLeaderReplicas !== undefined) parts.push(`ELR ${list(record.eligibleLeaderReplicas)}`)
      if (record.replicas !== undefined) parts.push(`replicas ${list(record.replicas)}`)
      if (record.leaderRecoveryState !== undefined) parts.push(`recovery ${record.leaderRecoveryState}`)
      return `partition ${record.partitionId}: ${parts.join(', ') || 'epoch bump'}`
    }
    case 'RemoveTopic':
      return `topic ${record.topicId} removed`
    case 'Config':
      return `${record.resourceType} ${record.resourceName || '(cluster)'}: ${record.name} = ${record.value ?? '(default)'}`
    default: {
      const fields = Object.entries(r).filter(([k]) => k !== 'type')
      return fields.map(([k, v]) => `${k} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(', ')
    }
  }
}
