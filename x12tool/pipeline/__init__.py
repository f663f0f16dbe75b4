"""The upload pipeline around preflight: folder locks and the cron-safe outbox (docs/sftp.md)."""
