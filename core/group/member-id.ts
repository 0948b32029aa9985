// Member ids. Kafka draws a random Uuid: the classic coordinator for a member's id
// (clientId-Uuid, GroupMetadataManager), the KIP-848 consumer for its own id (KIP-1082,
// Uuid.randomUuid() once per consumer). The sandbox draws the same shape of text from the
// node's random stream, so that one seed gives the same ids.

/** A random Uuid in its 8-4-4-4-12 hex form, from `random` (values in [0, 1)). */
export function randomUuidText(random: () => number): string {
  const part = () => Math.floor(random() * 2 ** 32).toString(16).padStart(8, '0')
  return `${part()}-${part().slice(0, 4)}-${part().slice(0, 4)}-${part().slice(0, 4)}-${part()}${part().slice(0, 4)}`
}
