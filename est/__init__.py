"""EST lägesbild domain: models, services, queries and the embedded database."""
