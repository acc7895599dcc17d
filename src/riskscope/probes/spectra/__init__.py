"""Weight spectra (heavy-tailed self-regularization, Martin & Mahoney 2019/2021): the ESD of
every layer, its power-law tail (Clauset et al. 2009 KS fit), weighted α, stable rank and the
Marchenko–Pastur bulk edge with the spikes above it."""

from riskscope.probes.spectra.marchenko_pastur import (
    marchenko_pastur_density,
    marchenko_pastur_edges,
)
from riskscope.probes.spectra.power_law import PowerLawFit, fit_power_law
from riskscope.probes.spectra.weight_spectra import (
    LayerSpectrum,
    layer_matrices,
    matrix_spectrum,
    spectra_summary,
    weight_spectra,
)

__all__ = [
    "LayerSpectrum",
    "PowerLawFit",
    "fit_power_law",
    "layer_matrices",
    "marchenko_pastur_density",
    "marchenko_pastur_edges",
    "matrix_spectrum",
    "spectra_summary",
    "weight_spectra",
]
