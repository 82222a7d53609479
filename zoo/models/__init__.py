"""The six architectures, each a Backbone: (B, T, d_model) -> (B, T, d_model) with init_state / step."""
