"""The cost-aware router: provider adapters, prices, policies, budgets, failover and spend."""
