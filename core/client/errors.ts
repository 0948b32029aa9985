// Errors a client raises itself, before or without a broker's answer, named after the
// Java client's exceptions (org.apache.kafka.common.errors.*) so that what a user sees
// matches what a real client would throw.

export type ClientExceptionName =
  | 'RecordTooLargeException'
  | 'InvalidTopicException'
  | 'IllegalArgumentException'
  | 'TimeoutException'
  | 'BufferExhaustedException'
  | 'OutOfOrderSequenceException'
  | 'IllegalStateException'
  | 'NoOffsetForPartitionException'
  | 'OffsetOutOfRangeException'
  // Consumer groups (core/client/consumer/consumer-coordinator.ts).
  | 'CommitFailedException'
  | 'RebalanceInProgressException'
  | 'InvalidGroupIdException'
  | 'InvalidSessionTimeoutException'
  | 'InconsistentGroupProtocolException'
  | 'FencedInstanceIdException'
  | 'GroupMaxSizeReachedException'
  | 'UnsupportedVersionException'
  // The consumer protocol (KIP-848, core/client/consumer/consumer-membership-manager.ts).
  | 'UnreleasedInstanceIdException'
  | 'UnsupportedAssignorException'
  | 'InvalidRequestException'

export class ClientError extends Error {
  override name = 'ClientError'
  constructor(
    readonly exception: ClientExceptionName,
    message: string,
  ) {
    super(`${exception}: ${message}`)
  }
}
