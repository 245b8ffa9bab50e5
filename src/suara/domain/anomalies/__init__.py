"""The anomaly screens (issue 12): review queues of TPS and regions, never verdicts.

screens.py holds the definitions and thresholds; figures.py what a screen reads of a form;
tps_screens.py the TPS screens A1-A4; digits.py and fingerprint.py the region screens A5 and
A6; region.py puts a region's screening together from its kecamatan's.
"""

from suara.domain.anomalies.figures import TpsFigures, figures_of
from suara.domain.anomalies.region import (
    FlaggedTps,
    RegionScreening,
    RegionTest,
    Sums,
    UnitScreening,
    assemble,
    screen_unit,
    sums_doc,
)
from suara.domain.anomalies.screens import (
    DEFAULT_THRESHOLDS,
    REGION_SCREENS,
    SCREENS,
    TPS_SCREENS,
    InvalidThresholds,
    Screen,
    Target,
    parse_thresholds,
    with_overrides,
)
from suara.domain.anomalies.tps_screens import Hit

__all__ = ["DEFAULT_THRESHOLDS", "REGION_SCREENS", "SCREENS", "TPS_SCREENS", "FlaggedTps", "Hit",
           "InvalidThresholds", "RegionScreening", "RegionTest", "Screen", "Sums", "Target", "TpsFigures",
           "UnitScreening", "assemble", "figures_of", "parse_thresholds", "screen_unit", "sums_doc", "with_overrides"]
