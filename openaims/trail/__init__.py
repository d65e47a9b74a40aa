"""Framework-free hash chain for the trail of changes.

Each event's hash covers its own content and the hash of the event before it, so
changing one stored byte of any event breaks the chain from that event on.
"""

from openaims.trail._chain import GENESIS_HASH, HASHED_FIELDS, TIMESTAMP_FORMAT, ChainBreak, event_hash, verify_chain

__all__ = ["GENESIS_HASH", "HASHED_FIELDS", "TIMESTAMP_FORMAT", "ChainBreak", "event_hash", "verify_chain"]
