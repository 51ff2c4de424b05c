"""Domain rules callable without GraphQL (CLI, seed, jobs); resolvers call them too."""
