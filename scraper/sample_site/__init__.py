"""An offline stand-in for baohatinh.vn: a generated sample site, its ground truth and a
local HTTP server with fault injection, for tests and the ``baohatinh demo`` command."""

from .model import ArticleTruth, ImageTruth, RelatedTruth, Response, SiteOptions
from .server import Fault, FaultRegistry, LoggedRequest, SampleSiteServer, run_sample_site
from .site import SampleSite, build_site

__all__ = [
    "ArticleTruth",
    "Fault",
    "FaultRegistry",
    "ImageTruth",
    "LoggedRequest",
    "RelatedTruth",
    "Response",
    "SampleSite",
    "SampleSiteServer",
    "SiteOptions",
    "build_site",
    "run_sample_site",
]
