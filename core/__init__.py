"""The shared kernel below every app: errors, money, outbound HTTP, signing, TLS, SOAP, metrics, realtime.
It imports no app of this project (checked by import-linter)."""
