"""How a network learns: SGD and its options, optimizers, schedules, regularisation, the fast path."""
