from django.db import models

from core.money import MoneyField


class DemoProgramme(models.Model):
    """What starts demo cases, like a call: it records the process version it pins when it is published."""

    code = models.CharField("code", max_length=32, unique=True)
    process_pin = models.CharField("process version", max_length=80, blank=True)

    def __str__(self) -> str:
        return self.code


class DemoRequest(models.Model):
    """The domain object of a demo case."""

    programme = models.ForeignKey(DemoProgramme, verbose_name="programme", on_delete=models.PROTECT)
    organisation = models.ForeignKey("core.Organisation", verbose_name="organisation", on_delete=models.PROTECT)
    amount = MoneyField("amount")

    class Meta:
        permissions = [("check_demorequest", "Can check demo requests"), ("decide_demorequest", "Can decide")]

    def __str__(self) -> str:
        return f"{self.programme} / {self.organisation_id}"
