"""The staff backoffice: reconciliation runs and their discrepancies, money adjustments under four-eyes approval,
scheduled jobs, the dashboard, the player page and the admin site that groups it all. It sits above every app."""
