"""Users and institutions. E-mail is the login; there is no username."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Institution(models.Model):
    """A ministry, university or other body whose people learn on Sala."""

    class Kind(models.TextChoices):
        MINISTRY = "ministry", _("Ministry")
        UNIVERSITY = "university", _("University")
        SCHOOL = "school", _("School")
        OTHER = "other", _("Other")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_km = models.CharField(_("name in Khmer"), max_length=255)
    name_en = models.CharField(_("name in English"), max_length=255)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)

    class Meta:
        ordering = ["kind", "name_en"]
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")

    def __str__(self):
        return self.name

    @property
    def name(self):
        return self.name_km if get_language() == "km" else self.name_en


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person on Sala, identified by e-mail, named in Khmer and in Latin script."""

    class LearnerKind(models.TextChoices):
        CIVIL_SERVANT = "civil_servant", _("Civil servant")
        STUDENT = "student", _("Student")
        OTHER = "other", _("Other")

    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("e-mail address"), unique=True)
    full_name_km = models.CharField(_("full name in Khmer"), max_length=150, blank=True)
    full_name_latin = models.CharField(
        _("full name in Latin script"), max_length=150, blank=True
    )
    learner_kind = models.CharField(
        _("learner kind"),
        max_length=20,
        choices=LearnerKind.choices,
        default=LearnerKind.OTHER,
    )
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    position = models.CharField(_("position"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default="km",
    )

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        if get_language() == "km":
            return self.full_name_km or self.full_name_latin or self.email
        return self.full_name_latin or self.full_name_km or self.email

    def get_full_name(self):
        return self.display_name

    def get_short_name(self):
        return self.display_name

    def has_role(self, role):
        return self.groups.filter(name=role).exists()
