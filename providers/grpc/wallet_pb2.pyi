from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class BalanceRequest(_message.Message):
    __slots__ = ("provider_code", "player_id", "session_id", "currency")
    PROVIDER_CODE_FIELD_NUMBER: _ClassVar[int]
    PLAYER_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    provider_code: str
    player_id: str
    session_id: str
    currency: str
    def __init__(self, provider_code: _Optional[str] = ..., player_id: _Optional[str] = ..., session_id: _Optional[str] = ..., currency: _Optional[str] = ...) -> None: ...

class MoneyRequest(_message.Message):
    __slots__ = ("provider_code", "player_id", "session_id", "currency", "transaction_id", "round_id", "amount")
    PROVIDER_CODE_FIELD_NUMBER: _ClassVar[int]
    PLAYER_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    ROUND_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    provider_code: str
    player_id: str
    session_id: str
    currency: str
    transaction_id: str
    round_id: str
    amount: str
    def __init__(self, provider_code: _Optional[str] = ..., player_id: _Optional[str] = ..., session_id: _Optional[str] = ..., currency: _Optional[str] = ..., transaction_id: _Optional[str] = ..., round_id: _Optional[str] = ..., amount: _Optional[str] = ...) -> None: ...

class RollbackRequest(_message.Message):
    __slots__ = ("provider_code", "player_id", "session_id", "currency", "reference_transaction_id", "transaction_id", "round_id", "amount")
    PROVIDER_CODE_FIELD_NUMBER: _ClassVar[int]
    PLAYER_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    ROUND_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    provider_code: str
    player_id: str
    session_id: str
    currency: str
    reference_transaction_id: str
    transaction_id: str
    round_id: str
    amount: str
    def __init__(self, provider_code: _Optional[str] = ..., player_id: _Optional[str] = ..., session_id: _Optional[str] = ..., currency: _Optional[str] = ..., reference_transaction_id: _Optional[str] = ..., transaction_id: _Optional[str] = ..., round_id: _Optional[str] = ..., amount: _Optional[str] = ...) -> None: ...

class WalletReply(_message.Message):
    __slots__ = ("balance", "currency", "transaction_id", "status", "replayed")
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    balance: str
    currency: str
    transaction_id: str
    status: str
    replayed: bool
    def __init__(self, balance: _Optional[str] = ..., currency: _Optional[str] = ..., transaction_id: _Optional[str] = ..., status: _Optional[str] = ..., replayed: _Optional[bool] = ...) -> None: ...
