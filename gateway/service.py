"""The gateway service: nameko wiring of the public HTTP API (``/api/v1``).

The routes live in ``gateway/routes/``, one module per area; this class holds
the dependencies they share and inherits them all. Each handler authenticates,
calls the services as the caller (signed context data) through a pool of RPC
proxies, and returns data the route's schema dumps. Errors of any kind are
mapped by ``errors.classify``. The portal's hot reads come from the read model
(``gateway/readmodel``), which the event handlers mixed in here keep current.
"""
from __future__ import annotations

from nameko.dependency_providers import Config

from kernel.db import ClockProvider, Database
from kernel.rpc import RpcPoolProvider

from .models import Base
from .readmodel.handlers import ReadModelHandlers
from .routes.archive import ArchiveRoutes
from .routes.archive_access import ArchiveAccessRoutes    # access to household files (archive, issue 11)
from .routes.arrears import ArrearsRoutes
from .routes.auth import AuthRoutes
from .routes.base import SERVICES, V1  # noqa: F401  (re-exported)
from .routes.bank import BankRoutes          # bank collection (bank)
from .routes.broadcasts import BroadcastRoutes    # broadcasts (notify, issue 10)
from .routes.census import CensusRoutes            # stewards' areas, census, retention (archive, issue 11)
from .routes.billing import BillingRoutes
from .routes.engineering import EngineeringRoutes
from .routes.fees import FeeRoutes
from .routes.complaints import ComplaintRoutes
from .routes.feedback import FeedbackRoutes       # praise and suggestions (表扬与建议)
from .routes.documents import DocumentRoutes      # documents of household files (archive, issue 11)
from .routes.dunning import DunningRoutes
from .routes.hardship import HardshipRoutes
from .routes.keys import KeyRoutes                 # the key register (tickets, issue 12)
from .routes.inspections import InspectionRoutes    # daily inspections and patrols (tickets, issue 12)
from .routes.notify import NotifyRoutes
from .routes.payments import PaymentRoutes
from .routes.people import PeopleRoutes          # people, leases, move-out, transfer (archive, issue 11)
from .routes.platform import PlatformRoutes
from .routes.printing import PrintingRoutes      # printed notices (notify, issue 10)
from .routes.printouts import PrintoutRoutes    # the front desk's printouts (tickets, issue 12)
from .routes.receipts import ReceiptRoutes       # the providers' delivery receipts (notify, issue 10)
from .routes.goods_release import GoodsReleaseRoutes
from .routes.registry import RegistryRoutes
from .routes.renovation import RenovationRoutes  # renovation (装修, tickets + billing, issue 12)
from .routes.reports import ReportRoutes
from .routes.revisits import RevisitRoutes
from .routes.staff import StaffRoutes          # staff accounts (de)activated by their managers
from .routes.templates import TemplateRoutes
from .routes.tickets import TicketRoutes
from .routes.vacant_units import VacantUnitRoutes  # vacant units (tickets, issue 12)


class GatewayService(PlatformRoutes, AuthRoutes, RegistryRoutes, ArchiveRoutes, ArchiveAccessRoutes, TicketRoutes,
                     ReportRoutes, EngineeringRoutes, ComplaintRoutes, RevisitRoutes, BillingRoutes,
                     PaymentRoutes, FeeRoutes, NotifyRoutes, BankRoutes, DunningRoutes, HardshipRoutes,
                     ArrearsRoutes, TemplateRoutes, PrintingRoutes, BroadcastRoutes, PeopleRoutes, CensusRoutes,
                     DocumentRoutes, ReceiptRoutes, GoodsReleaseRoutes, FeedbackRoutes, KeyRoutes,
                     VacantUnitRoutes, InspectionRoutes, RenovationRoutes, PrintoutRoutes, StaffRoutes,
                     ReadModelHandlers):
    name = "gateway"

    db = Database(Base, relay=False)
    clock = ClockProvider()
    rpc = RpcPoolProvider("RPC", size=16, timeout=10)
    health_rpc = RpcPoolProvider("HEALTH_RPC", size=4, timeout=3)
    config = Config()
