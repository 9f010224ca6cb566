"""What we store: referentials, calendars, published results, fetches, jobs and inserts."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from layouts.estimate import format_size
from layouts.paginate import Size
from layouts.profile import LayoutProfile

from . import changes


class Departement(models.Model):
    """A French département, as ARPENT's referential (E5) names it."""

    code = models.CharField(_("code"), max_length=3, primary_key=True)
    name = models.CharField(_("nom"), max_length=100)
    region = models.CharField(_("région"), max_length=100, blank=True)
    # The INSEE region code (E5's regionId), which InserJeunes' regional figures are keyed by.
    region_code = models.CharField(_("code région"), max_length=3, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("département")

    def __str__(self):
        return f"{self.code} — {self.name}"


class Diploma(models.Model):
    """One (filière, option) of the diploma referential (E4)."""

    examen_id = models.CharField(max_length=40, blank=True)
    filiere_id = models.CharField(max_length=40, blank=True)
    filiere = models.CharField(_("filière"), max_length=200)
    option = models.CharField(_("option"), max_length=300)

    class Meta:
        ordering = ["filiere", "option"]
        verbose_name = _("diplôme")
        constraints = [
            models.UniqueConstraint(fields=["filiere", "option"], name="unique_diploma_option")
        ]

    def __str__(self):
        return f"{self.filiere} — {self.option}"


class ExamSession(models.Model):
    """An exam session of the referential (E5), e.g. "Session Normale 2026"."""

    upstream_id = models.CharField(max_length=40, unique=True)
    label = models.CharField(_("libellé"), max_length=200)

    class Meta:
        verbose_name = _("session")

    def __str__(self):
        return self.label


class Title(models.Model):
    """A newspaper title (one newsroom), with the départements its editions cover."""

    name = models.CharField(_("nom"), max_length=200)
    slug = models.SlugField(unique=True)
    departements = models.ManyToManyField(
        Departement, related_name="followers", blank=True, verbose_name=_("départements suivis")
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="titles"
    )
    # Print settings: the printer's output profile makes the PDF a PDF/X-4 with its output
    # intent; without one the PDF says it is not PDF/X.
    icc_profile = models.FileField(_("profil ICC de l'imprimeur"), upload_to="icc/", blank=True)
    output_condition = models.CharField(_("condition d'impression"), max_length=200, blank=True)
    bleed_mm = models.DecimalField(
        _("fond perdu (mm)"),
        max_digits=4,
        decimal_places=1,
        default=0,
        validators=[
            MinValueValidator(0, _("Le fond perdu ne peut être négatif.")),
            MaxValueValidator(10, _("Au plus %(limit_value)s mm.")),
        ],
    )
    crop_marks = models.BooleanField(_("traits de coupe"), default=False)
    # One insert per département and day, as the plan counts them, unless the title prints
    # all its départements of a day in one insert.
    combine_departements = models.BooleanField(
        _("un seul encart par jour pour tous les départements"), default=False
    )
    # A framed note per diploma in the inserts: employment and further study after it
    # (InserJeunes), for the diplomas the mapping gives codes to.
    outlook_notes = models.BooleanField(
        _("encadrés « Que deviennent les diplômés ? »"), default=False
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("titre")

    def __str__(self):
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        EDITOR = "editor", _("rédacteur")
        ADMIN = "admin", _("administrateur")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    title = models.ForeignKey(Title, on_delete=models.CASCADE)
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.EDITOR)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "title"], name="unique_membership")]

    def __str__(self):
        return f"{self.user} — {self.title} ({self.role})"


def _mm(label, most):
    # Sums of margins and column counts are checked together by LayoutProfile.errors(); a
    # field's own bound only stops typing slips (4700 for 470).
    return models.DecimalField(
        label,
        max_digits=6,
        decimal_places=2,
        validators=[MaxValueValidator(most, _("Au plus %(limit_value)s mm."))],
    )


def _pt(label, most):
    # No minimum here: LayoutProfile.errors() says why 4 pt or a zero leading cannot print.
    return models.DecimalField(
        label,
        max_digits=5,
        decimal_places=2,
        validators=[MaxValueValidator(most, _("Au plus %(limit_value)s pt."))],
    )


class PrintProfile(models.Model):
    """A title's page grid for its inserts: the stored form of layouts.profile.LayoutProfile."""

    class ListStyle(models.TextChoices):
        ONE_PER_LINE = "one_per_line", _("Un nom par ligne")
        RUN_IN = "run_in", _("À la suite")

    title = models.ForeignKey(
        Title, on_delete=models.CASCADE, related_name="profiles", verbose_name=_("titre")
    )
    name = models.CharField(_("nom du gabarit"), max_length=100)
    page_width_mm = _mm(_("largeur de page (mm)"), 1000)
    page_height_mm = _mm(_("hauteur de page (mm)"), 1000)
    margin_top_mm = _mm(_("marge haute (mm)"), 300)
    margin_bottom_mm = _mm(_("marge basse (mm)"), 300)
    margin_left_mm = _mm(_("marge gauche (mm)"), 300)
    margin_right_mm = _mm(_("marge droite (mm)"), 300)
    columns = models.PositiveSmallIntegerField(
        _("colonnes par page"),
        validators=[
            MinValueValidator(1, _("Il faut au moins une colonne.")),
            MaxValueValidator(20, _("Au plus %(limit_value)s colonnes.")),
        ],
    )
    gutter_mm = _mm(_("gouttière (mm)"), 30)
    font_size_pt = _pt(_("corps du texte (pt)"), 24)
    leading_pt = _pt(_("interligne (pt)"), 48)
    list_style = models.CharField(
        _("présentation des noms"),
        max_length=20,
        choices=ListStyle.choices,
        default=ListStyle.ONE_PER_LINE,
    )
    heading_size_pt = _pt(_("titres de diplôme (pt)"), 36)
    title_size_pt = _pt(_("titre de l'encart (pt)"), 96)
    is_default = models.BooleanField(_("par défaut"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "-is_default", "name"]
        verbose_name = _("gabarit")
        constraints = [
            models.UniqueConstraint(
                fields=["title"],
                condition=models.Q(is_default=True),
                name="one_default_profile_per_title",
                violation_error_message=_("Ce titre a déjà un gabarit par défaut."),
            ),
            models.UniqueConstraint(
                fields=["title", "name"],
                name="unique_profile_name",
                violation_error_message=_("Ce titre a déjà un gabarit de ce nom."),
            ),
        ]

    def __str__(self):
        return f"{self.title} — {self.name}"

    def to_layout(self) -> LayoutProfile:
        # from_dict keeps the profile's fields (as floats) and ignores the id, the title…
        return LayoutProfile.from_dict(vars(self))

    @classmethod
    def create_from(cls, title, layout: LayoutProfile):
        """A new profile of `title` with `layout`'s values, named apart from the title's
        others ("Tabloïd 2"); it becomes the default if the title has none."""
        with transaction.atomic():
            # Two editors adding profiles at once number them and pick the default in turn.
            Title.objects.select_for_update().filter(pk=title.pk).first()
            taken = set(title.profiles.values_list("name", flat=True))
            name, number = layout.name, 2
            while name in taken:
                name, number = f"{layout.name} {number}", number + 1
            has_default = title.profiles.filter(is_default=True).exists()
            return cls.objects.create(
                title=title, **(layout.to_dict() | {"name": name}), is_default=not has_default
            )

    def make_default(self):
        """Make this the title's default profile, and no other."""
        with transaction.atomic():
            Title.objects.select_for_update().filter(pk=self.title_id).first()
            # The old default first: the constraint allows one default per title at a time.
            PrintProfile.objects.filter(title_id=self.title_id, is_default=True).exclude(
                pk=self.pk
            ).update(is_default=False)
            PrintProfile.objects.filter(pk=self.pk).update(is_default=True)
        self.is_default = True


class CalendarRow(models.Model):
    """One row of a département's deliberation calendar (E1), with its last change."""

    class Change(models.TextChoices):
        NONE = "", _("inchangée")
        NEW = "new", _("nouvelle")
        COUNT = "count", _("effectif modifié")
        MOVED = "moved", _("date déplacée")

    departement = models.ForeignKey(
        Departement, on_delete=models.CASCADE, related_name="calendar_rows"
    )
    filiere = models.CharField(_("filière"), max_length=200)
    option = models.CharField(_("option"), max_length=300)
    date_delib = models.DateField(_("date de délibération"))
    nb_candidats = models.PositiveIntegerField(_("candidats"))
    first_seen = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # What the last calendar fetch that changed this row changed, and what it was before, so
    # that the planning page can point the desk at it.
    last_change = models.CharField(max_length=5, choices=Change.choices, blank=True)
    changed_at = models.DateTimeField(null=True, blank=True)
    previous_nb_candidats = models.PositiveIntegerField(null=True, blank=True)
    previous_date = models.DateField(null=True, blank=True)
    # Set when the row is missing from the latest answer: kept, but flagged.
    missing_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["date_delib", "filiere", "option"]
        constraints = [
            models.UniqueConstraint(
                fields=["departement", "filiere", "option", "date_delib"],
                name="unique_calendar_row",
            )
        ]

    def __str__(self):
        return f"{self.departement_id} {self.date_delib} {self.filiere} — {self.option}"


class SessionTally(models.Model):
    """Counts kept from a past session, without names: candidates and names printed, per row.

    They are what the estimate learns its rates from next year.
    """

    year = models.PositiveSmallIntegerField()
    departement = models.ForeignKey(Departement, on_delete=models.CASCADE)
    filiere = models.CharField(max_length=200)
    option = models.CharField(max_length=300)
    nb_candidats = models.PositiveIntegerField()
    printed = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["year", "departement", "filiere", "option"], name="unique_session_tally"
            )
        ]

    def __str__(self):
        return f"{self.year} {self.departement_id} {self.filiere} — {self.option}"


class DiplomaRate(models.Model):
    """An editable default rate of a diploma, used until past sessions teach better ones."""

    filiere = models.CharField(_("filière"), max_length=200, unique=True)
    pass_rate = models.DecimalField(_("taux de réussite"), max_digits=4, decimal_places=3)
    consent_rate = models.DecimalField(
        _("taux d'accord pour publication"), max_digits=4, decimal_places=3
    )

    class Meta:
        ordering = ["filiere"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pass_rate__gte=0, pass_rate__lte=1)
                & models.Q(consent_rate__gte=0, consent_rate__lte=1),
                name="rates_between_0_and_1",
            )
        ]

    def __str__(self):
        return self.filiere


class Result(models.Model):
    """One published line of E2: a candidate admitted (or sent to the second group).

    Upstream rows carry no id; two candidates may share every field, so `occurrence` numbers
    identical rows within a section and both are kept.
    """

    departement = models.ForeignKey(Departement, on_delete=models.CASCADE, related_name="results")
    filiere = models.CharField(max_length=200)
    option = models.CharField(max_length=300)
    specialite = models.CharField(max_length=300, blank=True)
    nom = models.CharField(max_length=200)
    prenoms = models.CharField(max_length=300)
    resultat = models.CharField(max_length=100)
    occurrence = models.PositiveSmallIntegerField(default=0)
    fetched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "departement",
                    "filiere",
                    "option",
                    "specialite",
                    "nom",
                    "prenoms",
                    "occurrence",
                ],
                name="unique_result_line",
            )
        ]
        indexes = [models.Index(fields=["departement", "filiere", "option"])]

    def __str__(self):
        return f"{self.nom} {self.prenoms}"


class Fetch(models.Model):
    """A record of every call to the upstream, good or bad.

    The raw payload is stored once per distinct content: a fetch whose content hash equals the
    previous one of the same endpoint and département keeps an empty payload.
    """

    class Outcome(models.TextChoices):
        CHANGED = "changed", _("modifié")
        UNCHANGED = "unchanged", _("inchangé")
        REJECTED = "rejected", _("rejeté")
        FAILED = "failed", _("échec")

    endpoint = models.CharField(max_length=40)
    departement = models.ForeignKey(
        Departement, null=True, blank=True, on_delete=models.SET_NULL, related_name="fetches"
    )
    departement_code = models.CharField(max_length=3, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    duration_ms = models.PositiveIntegerField(default=0)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    row_count = models.PositiveIntegerField(null=True, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    payload = models.TextField(blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    summary = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["endpoint", "departement_code", "-started_at"])]

    def __str__(self):
        return f"{self.endpoint} {self.departement_code} {self.outcome}"


class HeldRow(models.Model):
    """A row of an upstream answer that could not be read, set aside: never printed, shown to
    the editors (line, field, reason, values) until the next answer replaces it.

    `values` is the row as received and may hold a name: the retention purge erases these rows
    with the results, and nothing of `values` goes to a message, the audit trail or a log.
    """

    departement = models.ForeignKey(Departement, on_delete=models.CASCADE, related_name="held_rows")
    endpoint = models.CharField(max_length=40)
    line = models.PositiveIntegerField()
    field = models.CharField(max_length=40)
    reason = models.CharField(max_length=300)
    values = models.JSONField(default=dict)
    held_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["endpoint", "line"]

    def __str__(self):
        return f"{self.endpoint} {self.departement_id} ligne {self.line}"


class SectionHold(models.Model):
    """A section (filière, option) of a département whose stored list looks implausible (more
    admitted than candidates, mostly duplicated rows): left out of every build until an editor
    confirms it. A new implausible list of the section holds it again."""

    departement = models.ForeignKey(
        Departement, on_delete=models.CASCADE, related_name="section_holds"
    )
    filiere = models.CharField(max_length=200)
    option = models.CharField(max_length=300)
    # Why, in counts only ("152 admis pour 84 candidats au calendrier"): no name.
    reason = models.CharField(max_length=300)
    held_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["filiere", "option"]
        constraints = [
            models.UniqueConstraint(
                fields=["departement", "filiere", "option"], name="unique_section_hold"
            )
        ]

    def __str__(self):
        return f"{self.departement_id} {self.filiere} — {self.option}"

    @property
    def is_held(self):
        return self.confirmed_at is None


class Insert(models.Model):
    """One version of a title's insert for a day (and a département, unless the title combines
    them); every build is kept, none is overwritten."""

    title = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="inserts")
    # NULL: the title's combined insert of all its départements deliberating that day.
    departement = models.ForeignKey(
        Departement, null=True, blank=True, on_delete=models.CASCADE, related_name="inserts"
    )
    day = models.DateField(_("jour de délibération"))
    number = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    heading = models.CharField(_("titre de l'encart"), max_length=300, blank=True)
    reason = models.CharField(_("motif"), max_length=300, blank=True)
    pdf = models.FileField(upload_to="inserts/")
    # PDF/X-4 with the printer's output intent, or a plain proof when the title has no profile.
    pdfx = models.BooleanField(default=False)
    output_condition = models.CharField(max_length=200, blank=True)
    names_count = models.PositiveIntegerField()
    pages = models.PositiveIntegerField()
    columns = models.PositiveIntegerField()
    columns_per_page = models.PositiveSmallIntegerField(default=6)
    lines = models.PositiveIntegerField()
    content_hash = models.CharField(max_length=64)
    # What was printed (layouts.versions.snapshot), for the diff and the exports of this version.
    content = models.JSONField(default=list)
    diff = models.JSONField(default=dict)
    # Storage names of one PNG per page, in page order.
    thumbnails = models.JSONField(default=list)
    build_seconds = models.FloatField(null=True, blank=True)
    # "Bon à tirer": set once and never cleared; a later version may be marked in its turn.
    final_at = models.DateTimeField(null=True, blank=True)
    final_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Why the outlook notes are missing from this version, if the title prints them and some
    # could not be (a source unreachable at the last refresh, a diploma without codes).
    outlook_note = models.CharField(max_length=500, blank=True)
    # Set when a confirmed removal names a candidate this version prints: its files are
    # deleted and it can no longer be downloaded nor exported; the next version replaces it.
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # Set by the purge (deliberation.retention): the names are gone from `content` and
    # `diff`, the PDF and page images deleted; the counts, pages and columns stay.
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["title", "departement", "day", "number"], name="unique_insert_number"
            )
        ]

    def __str__(self):
        return f"{self.title} {self.scope_code} {self.day} v{self.number}"

    @property
    def scope_code(self):
        """The département's code, or "tous" for a combined insert (the URL's part)."""
        return self.departement_id or ALL_DEPARTEMENTS

    @property
    def file_stem(self):
        """The name its files are given, and downloaded under, whatever name the storage chose
        (another when a build killed mid-write left a file of that name)."""
        return f"encart-{self.title.slug}-{self.scope_code}-{self.day:%Y%m%d}-v{self.number}"

    @property
    def size_text(self):
        """ "1 page + 2 colonnes", counted on the columns of the grid it was built on."""
        return format_size(Size(self.lines, self.columns, self.pages), self.columns_per_page)

    @property
    def is_final(self):
        return self.final_at is not None

    @property
    def is_withdrawn(self):
        return self.withdrawn_at is not None

    @property
    def is_purged(self):
        return self.purged_at is not None

    def siblings(self):
        """Every version of the same insert, newest first."""
        return Insert.objects.filter(
            title_id=self.title_id, departement_id=self.departement_id, day=self.day
        ).order_by("-number")


ALL_DEPARTEMENTS = "tous"


class Notice(models.Model):
    """A message to a title's editors in the app, e.g. that a new insert version is ready."""

    title = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="notices")
    insert = models.ForeignKey(Insert, null=True, blank=True, on_delete=models.CASCADE)
    text = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.text


class JobQuerySet(models.QuerySet):
    """Every write to jobs moves the change stamps of their départements (results.changes), so
    that the progress panels polled every 2 s learn of it at once, whatever wrote: a worker's
    progress, the reconciler, the purge, the admin."""

    # Written every JOB_HEARTBEAT_S by a running job, or when a lost message is sent again:
    # no panel shows them, and a heartbeat must not make every panel compute again.
    UNSHOWN_FIELDS = frozenset({"heartbeat_at", "due_at"})

    def update(self, **fields):
        if set(fields) <= self.UNSHOWN_FIELDS:
            return super().update(**fields)
        keys = self._stamp_keys()
        updated = super().update(**fields)
        if updated:
            changes.move(keys, using=self.db)
        return updated

    def delete(self):
        keys = self._stamp_keys()
        deleted = super().delete()
        changes.move(keys, using=self.db)
        return deleted

    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)
        changes.move(Job.stamp_keys_of(created), using=self.db)
        return created

    def bulk_update(self, objs, *args, **kwargs):
        updated = super().bulk_update(objs, *args, **kwargs)
        changes.move(Job.stamp_keys_of(objs), using=self.db)
        return updated

    def _stamp_keys(self):
        """The stamps of the jobs this query is about to write, read before it does (a job the
        write moves out of the query's filter is still found). Only with stamps to move."""
        if changes.shared_cache() is None:
            return []
        codes = self.exclude(departement=None).order_by().values_list("departement_id", flat=True)
        return [changes.departement_jobs(code) for code in codes.distinct()]


class Job(models.Model):
    """A background job the editors can follow; its state lives here, not in the broker."""

    class Kind(models.TextChoices):
        FETCH_RESULTS = "fetch_results", _("récupération des résultats")
        BUILD_INSERT = "build_insert", _("génération de l'encart")

    class Status(models.TextChoices):
        QUEUED = "queued", _("en attente")
        RUNNING = "running", _("en cours")
        DONE = "done", _("terminé")
        FAILED = "failed", _("échec")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.ForeignKey(Title, null=True, blank=True, on_delete=models.CASCADE)
    # NULL for the build of a combined insert (all the title's départements of `day`).
    departement = models.ForeignKey(
        Departement, null=True, blank=True, on_delete=models.CASCADE, related_name="jobs"
    )
    day = models.DateField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    # For scheduled jobs: the polling slot, so that a second scheduler's duplicate send of the
    # same poll cannot create a second job (unique constraint below).
    # NULL, not "", for manual jobs: the unique constraint must ignore them.
    slot = models.CharField(max_length=40, null=True, blank=True)  # noqa: DJ001
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    message = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    # When its task should run: at creation, or when a retry's wait ends. A job still queued
    # long after lost its message (a broker restarted, a send that failed): the reconciler
    # (deliberation.reconcile) sends it again.
    due_at = models.DateTimeField(default=timezone.now)
    # Set by each claim: the run's token, which its later writes must match (a run taken over
    # by the reconciler writes nothing more).
    started_at = models.DateTimeField(null=True, blank=True)
    # Stamped every JOB_HEARTBEAT_S while it runs: a running job whose stamps stopped lost its
    # worker (killed, its machine gone), and deliberation.reconcile queues it again.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # How many times it was put back after losing its worker; bounded, so that a job that
    # kills its worker each time (memory) fails instead of killing them all in turn.
    recoveries = models.PositiveSmallIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)
    insert = models.ForeignKey(Insert, null=True, blank=True, on_delete=models.SET_NULL)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "departement", "slot"],
                condition=models.Q(slot__isnull=False),
                name="unique_scheduled_job",
            )
        ]
        indexes = [
            # The reconciler's query, every minute, among a season's finished jobs.
            models.Index(
                fields=["status"],
                condition=models.Q(status__in=["queued", "running"]),
                name="job_unfinished",
            ),
            # The progress panel, polled every 2 s by every editor on an insert page, wants a
            # département's latest jobs: read backwards from now instead of sorting the
            # département's whole season (a results day leaves about 150 fetches a day each).
            models.Index(fields=["departement", "created_at"], name="job_departement_created"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.departement_id} ({self.status})"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        changes.move(self.stamp_keys_of([self]), using=kwargs.get("using") or self._state.db)

    def delete(self, *args, **kwargs):
        keys = self.stamp_keys_of([self])
        deleted = super().delete(*args, **kwargs)
        changes.move(keys, using=kwargs.get("using") or self._state.db)
        return deleted

    @property
    def finished(self):
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @staticmethod
    def stamp_keys_of(jobs):
        """The change stamps of these jobs' départements (a combined insert's build has none:
        its panel is computed at each poll)."""
        return [changes.departement_jobs(job.departement_id) for job in jobs if job.departement_id]


class Purge(models.Model):
    """One run of the retention purge that erased something: when, for which session, how much.

    A dry run or a run that finds nothing left to erase leaves no row.
    """

    ran_at = models.DateTimeField(default=timezone.now)
    # The session's last deliberation, which the retention period counts from.
    session_last_day = models.DateField()
    results_deleted = models.PositiveIntegerField(default=0)
    payloads_cleared = models.PositiveIntegerField(default=0)
    inserts_scrubbed = models.PositiveIntegerField(default=0)
    # Files found and handed for deletion once the purge commits (deliberation.retention).
    files_deleted = models.PositiveIntegerField(default=0)
    # Counts of the other places that held names (retention.PERSONAL_DATA), by key.
    details = models.JSONField(default=dict, blank=True)
    # NULL: the scheduler.
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-ran_at"]
        verbose_name = _("purge des données personnelles")

    def __str__(self):
        return f"{self.ran_at:%Y-%m-%d %H:%M} {self.results_deleted} noms effacés"


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete a line of the audit trail."""


class AuditEventQuerySet(models.QuerySet):
    """The audit trail's queries: reading and adding only."""

    def update(self, **kwargs):
        raise AppendOnlyError("The audit trail is append-only: events are never updated.")

    def delete(self):
        raise AppendOnlyError("The audit trail is append-only: events are never deleted.")

    def bulk_create(self, objs, *args, update_conflicts=False, **kwargs):
        # An upsert rewrites the event holding the key it collides with.
        if update_conflicts:
            raise AppendOnlyError("The audit trail is append-only: events are never upserted.")
        return super().bulk_create(objs, *args, **kwargs)


class AuditEvent(models.Model):
    """One line of the append-only audit trail: who did what, when, for which title.

    It never holds a candidate's name, so the retention purge has nothing to take from it, and
    it outlives the titles and users it names: no foreign key constraint, their names copied.
    Append-only three times over: here (save, delete and the manager's bulk calls raise), in the
    admin (read-only), and in the database itself on PostgreSQL and SQLite (triggers of
    migrations 0008 and 0015, which refuse raw SQL, upserts and TRUNCATE too).
    """

    class Action(models.TextChoices):
        FETCH = "fetch", _("récupération des résultats")
        BUILD = "build", _("génération d'encart")
        DOWNLOAD = "download", _("téléchargement du PDF")
        EXPORT = "export", _("export")
        MARK_FINAL = "mark_final", _("bon à tirer")
        REMOVAL_RECORDED = "removal_recorded", _("demande de retrait enregistrée")
        REMOVAL_CONFIRMED = "removal_confirmed", _("retrait confirmé")
        REMOVALS_IMPORTED = "removals_imported", _("demandes de retrait importées")
        ADDITION_VERIFIED = "addition_verified", _("ajout vérifié")
        ADDITION_REFUSED = "addition_refused", _("ajout refusé")
        SETTINGS = "settings", _("réglages modifiés")
        PURGE = "purge", _("purge des données personnelles")
        SECTION_CONFIRMED = "section_confirmed", _("section retenue confirmée")

    at = models.DateTimeField(default=timezone.now, db_index=True)
    title = models.ForeignKey(
        Title,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    title_name = models.CharField(max_length=200, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    # Empty for the scheduler's own work.
    username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    departement_code = models.CharField(max_length=3, blank=True)
    day = models.DateField(null=True, blank=True)
    # What was done, in French, with counts and version numbers but never a candidate's name.
    summary = models.CharField(max_length=300, blank=True)
    details = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["title", "-at"])]
        # Django's internal queries (refresh_from_db, related lookups) go through the same
        # append-only QuerySet as everyone else's.
        base_manager_name = "objects"

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.username or 'automatique'} {self.action}"

    def save(self, **kwargs):
        if not self._state.adding or kwargs.get("update_fields") is not None:
            raise AppendOnlyError("The audit trail is append-only: an event is never updated.")
        # Always an INSERT: with a primary key set, Django would otherwise try an UPDATE first,
        # which would rewrite the event holding that key.
        kwargs["force_insert"] = True
        super().save(**kwargs)

    def delete(self, using=None, keep_parents=False):
        raise AppendOnlyError("The audit trail is append-only: an event is never deleted.")


class Removal(models.Model):
    """A candidate's request not to be printed (right to object, to erasure).

    It is kept beside the results, never by editing them. Confirming it records an Objection,
    which takes the name out of every later build of its title, whatever the upstream sends
    again; the request itself, which holds the name, goes with the retention purge.
    """

    class Channel(models.TextChoices):
        LETTER = "courrier", _("courrier")
        EMAIL = "courriel", _("courriel")
        PHONE = "telephone", _("téléphone")
        FORM = "formulaire", _("formulaire en ligne")
        DESK = "accueil", _("accueil du journal")
        OTHER = "autre", _("autre")

    title = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="removals")
    departement = models.ForeignKey(
        Departement, on_delete=models.CASCADE, related_name="+", verbose_name=_("département")
    )
    # Blank: any diploma, any option of the département.
    filiere = models.CharField(_("diplôme"), max_length=200, blank=True)
    option = models.CharField(_("option"), max_length=300, blank=True)
    nom = models.CharField(_("nom"), max_length=200)
    prenoms = models.CharField(_("prénoms"), max_length=300)
    received_on = models.DateField(_("reçue le"))
    channel = models.CharField(_("canal"), max_length=20, choices=Channel.choices)
    note = models.TextField(_("note"), blank=True, max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The published lines the editor picked when confirming, as the upstream sent them (empty
    # when nothing matched yet): the versions to withdraw and rebuild. What is printed is
    # filtered by the request's Objection, every line of the name in its scope, now or later.
    lines = models.JSONField(default=list, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-received_on", "-created_at"]
        verbose_name = _("demande de retrait")

    def __str__(self):
        return f"{self.title} — retrait n° {self.pk}"

    @property
    def is_confirmed(self):
        return self.confirmed_at is not None


class Objection(models.Model):
    """What outlives a confirmed removal once the names are purged: a keyed hash of the
    candidate's normalised name (results.objections.identity) and the scope they asked for.

    It keeps the name out of every later build of its title, this session and the next ones,
    whatever the upstream sends again, without the app holding the name in readable form. Kept
    OBJECTION_RETENTION_DAYS after its (latest) confirmation, then purged by the nightly job.
    """

    title = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="objections")
    departement = models.ForeignKey(Departement, on_delete=models.CASCADE, related_name="+")
    # Blank: any diploma, any option of the département, as the request said.
    filiere = models.CharField(max_length=200, blank=True)
    option = models.CharField(max_length=300, blank=True)
    # HMAC-SHA256 of the normalised name, hex: nobody reads a name back from it without the key.
    identity = models.CharField(max_length=64)
    confirmed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["title", "departement", "filiere", "option", "identity"],
                name="one_objection_per_scope",
            )
        ]

    def __str__(self):
        return f"{self.title} — opposition n° {self.pk}"


class Addition(models.Model):
    """A candidate missing from the published list whose transcript (E3) shows them admitted
    this session, printed in the "additif" of their insert. Their credentials are never kept."""

    title = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="additions")
    departement = models.ForeignKey(Departement, on_delete=models.CASCADE, related_name="+")
    filiere = models.CharField(max_length=200)
    option = models.CharField(max_length=300)
    specialite = models.CharField(max_length=300, blank=True)
    nom = models.CharField(max_length=200)
    prenoms = models.CharField(max_length=300)
    resultat = models.CharField(max_length=100)
    # The jury's date, from the transcript: the insert of that day carries the additif.
    day = models.DateField()
    verified_at = models.DateTimeField(default=timezone.now)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-verified_at"]
        verbose_name = _("ajout vérifié")

    def __str__(self):
        return f"{self.title} — ajout n° {self.pk}"


class VerificationFailure(models.Model):
    """A failed transcript check, without the credentials tried: what the per-editor rate
    limit counts, so that the app cannot be used to guess candidates' credentials."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["user", "at"])]

    def __str__(self):
        return f"{self.user} {self.at:%Y-%m-%d %H:%M}"


CFD_PATTERN = r"^[0-9A-Z]{8}$"
MEFSTAT11_PATTERN = r"^[0-9A-Z]{11}$"


class DiplomaCode(models.Model):
    """The codes the other public sources use for one of ARPENT's diplomas, which has labels
    only: the CFD (diploma) and the MEFSTAT11 (its final school year)."""

    filiere = models.CharField(_("filière"), max_length=200)
    # Blank: every option of the filière without a mapping of its own.
    option = models.CharField(_("option"), max_length=300, blank=True)
    cfd = models.CharField(
        _("code formation diplôme (CFD)"),
        max_length=8,
        blank=True,
        validators=[RegexValidator(CFD_PATTERN, _("Un CFD compte 8 chiffres ou lettres."))],
    )
    mefstat11 = models.CharField(
        _("MEFSTAT11 de l'année terminale"),
        max_length=11,
        blank=True,
        validators=[
            RegexValidator(MEFSTAT11_PATTERN, _("Un MEFSTAT11 compte 11 chiffres ou lettres."))
        ],
    )
    source = models.CharField(_("source du code"), max_length=300, blank=True)

    class Meta:
        ordering = ["filiere", "option"]
        verbose_name = _("codes d'un diplôme")
        verbose_name_plural = _("codes des diplômes")
        constraints = [
            models.UniqueConstraint(fields=["filiere", "option"], name="unique_diploma_code")
        ]

    def __str__(self):
        return f"{self.filiere} — {self.option or 'toutes options'}"

    @property
    def codes(self):
        """The codes to ask InserJeunes for, school track (MEFSTAT11) first."""
        return [code for code in (self.mefstat11, self.cfd) if code]


class Establishment(models.Model):
    """An agricultural establishment of a département, from the education directory (cached)."""

    departement = models.ForeignKey(
        Departement, on_delete=models.CASCADE, related_name="establishments"
    )
    uai = models.CharField(max_length=8)
    name = models.CharField(max_length=300)
    kind = models.CharField(max_length=100, blank=True)
    nature = models.CharField(max_length=200, blank=True)
    commune = models.CharField(max_length=200, blank=True)
    public = models.BooleanField()
    fetched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["departement", "name"]

    def __str__(self):
        return f"{self.uai} {self.name}"


class LyceeResult(models.Model):
    """A lycée's Bac pro success rate for a session (IVAL indicators, cached)."""

    departement = models.ForeignKey(
        Departement, on_delete=models.CASCADE, related_name="lycee_results"
    )
    uai = models.CharField(max_length=8)
    name = models.CharField(max_length=300)
    commune = models.CharField(max_length=200, blank=True)
    public = models.BooleanField()
    session = models.PositiveSmallIntegerField()
    candidates = models.PositiveIntegerField(null=True, blank=True)
    success_rate = models.FloatField(null=True, blank=True)
    value_added = models.FloatField(null=True, blank=True)
    fetched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["departement", "-success_rate", "name"]

    def __str__(self):
        return f"{self.uai} {self.session} {self.success_rate}"


class EmploymentFigure(models.Model):
    """What became of a diploma's leavers (InserJeunes, cached): national, or one region's."""

    code = models.CharField(max_length=11)
    # "" for the national figure.
    region_code = models.CharField(max_length=3, blank=True)
    region_name = models.CharField(max_length=100, blank=True)
    millesime = models.CharField(max_length=9)
    label = models.CharField(max_length=300, blank=True)
    leavers = models.PositiveIntegerField(null=True, blank=True)
    employment_6m = models.FloatField(null=True, blank=True)
    further_study = models.FloatField(null=True, blank=True)
    # The source withholds the rates (fewer than 20 leavers): print nothing.
    withheld = models.BooleanField(default=False)
    # InserJeunes' "filiere": apprentices (CFD) or the school track (MEFSTAT11).
    track = models.CharField(max_length=20, blank=True)
    fetched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["code", "region_code"], name="unique_employment_figure")
        ]

    def __str__(self):
        return f"{self.code} {self.region_code or 'France'} {self.millesime}"


class Heartbeat(models.Model):
    """The last time a periodic task sent by the scheduler ran on a worker (deliberation.health)."""

    name = models.CharField(max_length=40, unique=True)
    at = models.DateTimeField()

    def __str__(self):
        return f"{self.name} {self.at:%Y-%m-%d %H:%M:%S}"


class RequestBudget(models.Model):
    """What is left of a request budget shared by every worker, when there is no Redis
    (results.deliberation.budget): a row per key, claimed with a conditional UPDATE."""

    key = models.CharField(max_length=200, primary_key=True)
    used = models.PositiveIntegerField(default=0)
    resets_at = models.DateTimeField()

    def __str__(self):
        return f"{self.key}: {self.used}"
