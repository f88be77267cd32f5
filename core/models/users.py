from typing import ClassVar

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class Language(models.TextChoices):
    FR = "fr", _("French")
    NL = "nl", _("Dutch")
    EN = "en", _("English")


class NotificationMode(models.TextChoices):
    IMMEDIATE = "immediate", _("One e-mail for each notification")
    DAILY_DIGEST = "daily_digest", _("One e-mail a day with all notifications")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields) -> "User":
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        fields.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **fields)

    def get_by_natural_key(self, username: str | None) -> "User":
        return self.get(email__iexact=username)


class User(AbstractUser):
    """A person: a local authority's employee, or a member of the administration's staff.

    People sign in with their e-mail address. `is_staff` marks the administration's staff; their roles are groups
    (core.roles). Applicants act for organisations through memberships.
    """

    username = None  # type: ignore[assignment]
    email = models.EmailField(_("e-mail address"), unique=True)
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=2,
        choices=Language.choices,
        default=Language.FR,
        help_text=_("Pages, e-mails and documents are shown in this language."),
    )
    phone = models.CharField(_("telephone"), max_length=32, blank=True)
    notification_mode = models.CharField(
        _("e-mail notifications"),
        max_length=16,
        choices=NotificationMode.choices,
        default=NotificationMode.IMMEDIATE,
        help_text=_("Notifications are always listed in the portal; this chooses when they are also e-mailed."),
    )

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects = UserManager()  # type: ignore[assignment,misc]  # our manager keys people on their e-mail

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["last_name", "first_name", "email"]
        constraints = [models.UniqueConstraint(Lower("email"), name="core_user_email_ci_unique")]

    def __str__(self) -> str:
        return self.get_full_name() or self.email
