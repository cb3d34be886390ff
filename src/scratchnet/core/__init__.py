"""The book's chapter 1: the network, its activations and costs; imports only NumPy and itself."""
