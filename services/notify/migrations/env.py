from kernel.alembic_env import run
from services.notify.models import Base

run(Base.metadata)
