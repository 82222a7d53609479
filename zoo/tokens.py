"""Token ids that data sets write into batches and tasks read out of them: the subword vocabulary's special tokens
and the target that is not scored. Below both data and tasks, so that neither imports the other for them."""
SPECIAL_TOKENS = ["[PAD]", "[BOS]", "[EOS]", "[UNK]"]  # the first ids of every subword vocabulary, in this order
PAD, BOS, EOS, UNK = range(len(SPECIAL_TOKENS))
IGNORE = -100  # target of a position that is not scored (cross-entropy's ignore_index)
