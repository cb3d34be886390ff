"""The tutorial's explanations: perceptrons, the numbers behind each picture, and the pictures."""
