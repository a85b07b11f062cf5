"""A robustness ledger: every claim of the synthesis, checked in every universe of a declared
grid of reasonable analytic choices and with each document left out.

This is the multiverse (Steegen et al. 2016) or specification-curve (Simonsohn, Simmons and
Nelson 2020) idea applied to text preprocessing and modelling, where Denny and Spirling
(2018) showed that such choices move unsupervised results. :mod:`grid` declares the
choices, :mod:`components` computes each analysis under a setting of the choices it
depends on, :mod:`claims` turns the synthesis's statements into tested functions, and
:mod:`ledger` runs the grid (cached, in parallel) and writes the ledger.
"""
