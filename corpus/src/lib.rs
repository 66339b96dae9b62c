//! vigil-corpus: writes realistic logs of every format vigil reads, deterministically from a seed.
