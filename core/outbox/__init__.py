"""The transactional outbox: every outbound call the platform owes a partner (an ACK, a status query, a payout, a
status poll) is a row written in the same database transaction as the business change, then delivered by a worker."""
