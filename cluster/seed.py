"""The demo organization `make up` creates on first start (idempotent)."""

from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from store.db import sync_url
from store.tables import Contact, Conversation, Message, Organization, User
from workflows.defaults import default_workflows

DEMO_EMAIL = "demo@switchboard.local"
DEMO_PASSWORD = "switchboard-demo"


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str
    created: bool


SAMPLES = [
    ("Where is my order #48213?", "Hi, I ordered a blender 9 days ago and tracking has not moved."),
    ("Refund for double charge", "I was charged twice for my subscription this month. Please fix."),
    ("Cannot log in", "The password reset email never arrives. I have checked spam."),
]


def seed_demo(database_url: str) -> DemoLogin:
    engine = create_engine(sync_url(database_url))
    try:
        with Session(engine) as session, session.begin():
            stmt = select(User).where(func.lower(User.email) == DEMO_EMAIL)
            if session.execute(stmt).scalar_one_or_none() is not None:
                return DemoLogin(DEMO_EMAIL, DEMO_PASSWORD, created=False)
            org = Organization(name="Demo Company", slug="demo")
            session.add(org)
            session.flush()
            admin = User(
                organization_id=org.id,
                email=DEMO_EMAIL,
                name="Demo Admin",
                role="admin",
                password_hash=PasswordHasher().hash(DEMO_PASSWORD),
            )
            session.add(admin)
            session.flush()
            session.add_all(default_workflows(org.id, admin.id))
            for subject, text in SAMPLES:
                contact = Contact(
                    organization_id=org.id,
                    name="Sample Customer",
                    email=f"customer+{len(subject)}@example.com",
                )
                session.add(contact)
                session.flush()
                conv = Conversation(
                    organization_id=org.id, channel="api", subject=subject, contact_id=contact.id
                )
                session.add(conv)
                session.flush()
                session.add(
                    Message(
                        organization_id=org.id,
                        conversation_id=conv.id,
                        direction="inbound",
                        subject=subject,
                        text=text,
                        sender={"email": contact.email, "name": contact.name},
                    )
                )
        return DemoLogin(DEMO_EMAIL, DEMO_PASSWORD, created=True)
    finally:
        engine.dispose()
