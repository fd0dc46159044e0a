"""Payments services (writes), split by sub-domain: the guarded state machine, deposits, withdrawals, webhooks and
polling. Views, tasks, admin actions and commands all call these."""
