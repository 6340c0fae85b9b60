"""AC/DC (Alternating Compressed/DeCompressed) training of torch models, on CPU or GPU."""
