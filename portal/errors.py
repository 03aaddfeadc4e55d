class ContractRuleError(Exception):
    """A request refused by a contract rule (API: 409 with a code and a sentence)."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
