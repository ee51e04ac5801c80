"""Credit arithmetic. Every change is one conditional UPDATE, so concurrent
completions on any number of processes can never spend more than the balance.
"""

from __future__ import annotations

from sqlalchemy import case, func, select, update

from link_flow.extensions import db
from link_flow.models import Account, Connection


def try_take(account_id: str, amount: int) -> bool:
    """Take ``amount`` credits if available; return whether they were taken.

    Runs in the caller's transaction. The ``WHERE`` re-checks the balance on
    the locked row, which is what makes two simultaneous takes safe.
    """
    if amount <= 0:
        return True
    result = db.session.execute(
        update(Account)
        .where(
            Account.id == account_id,
            Account.credits_balance - Account.credits_used >= amount,
        )
        .values(credits_used=Account.credits_used + amount)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined, no-any-return]


def give_back(account_id: str, amount: int) -> None:
    """Return ``amount`` credits taken earlier, in the caller's transaction."""
    if amount <= 0:
        return
    db.session.execute(
        update(Account)
        .where(Account.id == account_id)
        .values(
            credits_used=case(
                (Account.credits_used >= amount, Account.credits_used - amount),
                else_=0,
            )
        )
        .execution_options(synchronize_session=False)
    )


def add_credits(account_id: str, amount: int) -> Account:
    """Grow the balance by ``amount`` and return the refreshed account."""
    db.session.execute(
        update(Account)
        .where(Account.id == account_id)
        .values(credits_balance=Account.credits_balance + amount)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    account = db.session.get(Account, account_id, populate_existing=True)
    assert account is not None
    return account


def overage_count(account_id: str) -> int:
    """Return how many live connections run as overage."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Connection)
            .where(
                Connection.account_id == account_id,
                Connection.overage.is_(True),
                Connection.disconnected_at.is_(None),
            )
        )
        or 0
    )


def credits_summary(account: Account) -> dict[str, int]:
    return {
        "balance": account.credits_balance,
        "used": account.credits_used,
        "available": account.credits_available,
    }


def credits_text(amount: int) -> str:
    """Return ``amount`` with the right noun: "1 credit", "2 credits"."""
    return f"{amount} credit" if amount == 1 else f"{amount} credits"
