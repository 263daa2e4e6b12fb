"""The enterprise kind's reads and writes: the rota (`rota`), clocking in against a shift
(`slots`), the till (`till`), work orders (`orders`) and the staff views (`views`)."""
