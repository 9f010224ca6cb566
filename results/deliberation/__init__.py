"""The deliberation-day workflow: jobs, polls, fetch and build runs, reconciliation, health."""
