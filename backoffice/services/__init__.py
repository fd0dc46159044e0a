"""Backoffice services (writes), split by sub-domain: reconciliation, adjustments, schedules, staff tools."""
