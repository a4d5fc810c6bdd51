"""Session-state keys of the shared sidebar widgets."""


class Keys:
    upload = "upload"
    sample = "sample"
    k = "k"
    init = "init"
    space = "space"
    seed = "seed"
    n_init = "n_init"
    max_iter = "max_iter"
    present = "present"
