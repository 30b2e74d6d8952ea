"""Flask-WTF forms of the admin pages. Every form carries a CSRF token.

Article fields are validated by ``articles.schemas.ArticleIn`` (the one validation step for articles);
these forms only carry the values and show the errors next to their fields.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, EmailField, IntegerField, PasswordField, SelectField, StringField, TextAreaField

# SelectChoice is new in WTForms 3.3; the newest types-WTForms stubs (3.2) do not declare it yet.
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, Regexp

from admin.auth import MIN_PASSWORD_LENGTH
from admin.models import ROLES
from service.site_options import OPTIONS
from service.sites import DEFAULT_FIELD_WEIGHTS


def required_text(field: StringField) -> str:
    """The text of a field with a DataRequired validator, read after ``validate_on_submit()`` passed.

    WTForms types ``data`` as ``str | None`` (None when the field is missing from the request); DataRequired
    has refused that already, so None here means the field was read before validation.
    """
    if field.data is None:
        raise RuntimeError(f"form field {field.name!r} read before validation")
    return field.data


class WholeNumberField(IntegerField):
    """An IntegerField whose error for text that is no whole number is a plain sentence."""

    def process_formdata(self, valuelist: list) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError("Enter a whole number, e.g. 10.") from None


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired("Enter your email address.")])
    password = PasswordField("Password", validators=[DataRequired("Enter your password.")])


class ArticleForm(FlaskForm):
    title = StringField("Title")
    url = StringField("Address (URL) on your website", description="The page where this article is published.")
    summary = TextAreaField("Summary", description="Optional; taken from the body when left empty.")
    body_html = TextAreaField("Body (HTML)", description="Scripts, styles and embedded frames are removed.")
    author = StringField("Author")
    credit = StringField("Credit line", description="e.g. Source: MedlinePlus, National Library of Medicine")
    image_url = StringField("Image URL")
    tags = StringField("Tags", description="Separate with commas.")
    categories = StringField("Categories", description="Separate with commas.")
    published_at = StringField("Published", description="Date and time in UTC, e.g. 2026-03-01T09:30.")
    medically_reviewed_at = StringField("Medically reviewed", description="Date and time in UTC (optional).")
    status = SelectField("Status", choices=[SelectChoice(s, s.title()) for s in ("published", "draft", "retired")])


def _option_field(name: str) -> StringField:
    """A text field for a per-site option, labelled and explained as the option says; its checker in
    ``service.site_options`` validates it (with the plain messages shown next to it)."""
    return StringField(OPTIONS[name].label, description=OPTIONS[name].help)


def _option_flag(name: str) -> BooleanField:
    return BooleanField(OPTIONS[name].label, description=OPTIONS[name].help)


def _weight_field(part: str) -> StringField:
    return StringField(part.title(), description=f"Default {DEFAULT_FIELD_WEIGHTS[part]:g}.")


class SettingsForm(FlaskForm):
    allowed_origins = TextAreaField(
        "Websites allowed to show the widget",
        description="One origin a line, e.g. https://www.yourclinic.example (no path).",
    )
    logo_url = StringField("Logo URL")
    brand_colour = StringField("Brand colour", description="As #rrggbb, e.g. #0b6e4f.")
    postal_address = TextAreaField("Postal address", description="Printed at the foot of every email.")
    from_email = EmailField("From address")
    reply_to = EmailField("Reply-to address")
    website_url = _option_field("website_url")
    medical_disclaimer = TextAreaField(
        OPTIONS["medical_disclaimer"].label, description=OPTIONS["medical_disclaimer"].help
    )
    related_fallback = _option_flag("related_fallback")
    click_counting = _option_flag("click_counting")
    related_min_score = _option_field("related_min_score")
    related_diversity = _option_field("related_diversity")
    related_reviewed_within_months = _option_field("related_reviewed_within_months")
    weight_title = _weight_field("title")
    weight_summary = _weight_field("summary")
    weight_body = _weight_field("body")
    weight_tags = _weight_field("tags")
    weight_categories = _weight_field("categories")
    digest_max_items = _option_field("digest_max_items")
    digest_min_score = _option_field("digest_min_score")
    digest_send_newest_anyway = _option_flag("digest_send_newest_anyway")
    overwrite_editor_edits = _option_flag("overwrite_editor_edits")
    store_consent_ip = _option_flag("store_consent_ip")
    unsubscribe_mailto = _option_field("unsubscribe_mailto")
    privacy_url = _option_field("privacy_url")
    default_time_zone = _option_field("default_time_zone")


class KeyForm(FlaskForm):
    name = StringField(
        "What is the key for?",
        validators=[Length(max=200, message="Use at most 200 characters.")],
        description="e.g. Website CMS. Helps you recognise it later.",
    )
    scope_content = BooleanField("Content: articles, feeds, related links, synonyms, topics", default=True)
    scope_subscribers = BooleanField("Subscribers: subscribers, their interests, exports and digests")
    scope_settings = BooleanField("Settings: the clinic's options")

    def scopes(self) -> list[str]:
        """The ticked scopes (content only when none is ticked: least privilege)."""
        ticked = [name for name in ("content", "subscribers", "settings") if self[f"scope_{name}"].data]
        return ticked or ["content"]


class SynonymForm(FlaskForm):
    phrase = StringField(
        "Phrase readers use",
        validators=[
            DataRequired("Enter the phrase readers use."),
            Length(max=200, message="Use at most 200 characters."),
        ],
        description="e.g. stomach bug. Matched as a whole phrase, in any letter case.",
    )
    means = StringField(
        "What it means here",
        validators=[DataRequired("Enter what it means here."), Length(max=200, message="Use at most 200 characters.")],
        description="e.g. Norovirus Infections: an article title or the words your articles use.",
    )


class NeverPairForm(FlaskForm):
    tag_a = StringField(
        "Tag", validators=[DataRequired("Enter a tag."), Length(max=100, message="Use at most 100 characters.")]
    )
    tag_b = StringField(
        "Never beside tag",
        validators=[DataRequired("Enter the other tag."), Length(max=100, message="Use at most 100 characters.")],
    )


class ReaderTopicForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[DataRequired("Enter a name."), Length(max=80, message="Use at most 80 characters.")],
        description="In a reader's words, e.g. Back and neck pain.",
    )
    description = StringField(
        "One-line description (optional)",
        validators=[Optional(), Length(max=200, message="Use at most 200 characters.")],
    )
    match_terms = TextAreaField(
        "Words and phrases it matches", description="One a line, e.g. sciatica. Empty: the name is matched."
    )
    labels = TextAreaField("Tags or categories it matches (optional)", description="One a line.")
    position = WholeNumberField("Position", default=0, validators=[Optional()], description="Lower numbers come first.")
    active = BooleanField("Offer this topic to readers", default=True)


class PinForm(FlaskForm):
    title = StringField(
        "Article title",
        validators=[DataRequired("Enter an article's title, or part of it."), Length(max=500)],
        description="Type part of the title and choose the article.",
    )


class WidgetOptionsForm(FlaskForm):
    widget_limit = StringField(
        "Links shown",
        validators=[
            DataRequired("Enter a number of links."),
            Regexp(r"^\s*\d{1,2}\s*$", message="Enter a whole number of links from 1 to 20."),
        ],
        description=(
            "How many related links the widget shows when the page does not set data-limit (1 to 20)."
            " The related-links pages mark where it cuts off."
        ),
    )
    host_aliases = TextAreaField(
        "Host aliases",
        description=(
            "One a line: a host your pages are also served from, an equals sign, and the host your articles are"
            " imported with, e.g. staging.yourclinic.example = www.yourclinic.example"
        ),
    )


class EditorForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired("Enter an email address."), Email("Enter a valid email.")])
    name = StringField("Name", validators=[Length(max=200, message="Use at most 200 characters.")])
    role = SelectField("Role", choices=[SelectChoice(r, r.title()) for r in ROLES])
    password = PasswordField(
        "Initial password",
        validators=[
            DataRequired("Enter a password."),
            Length(min=MIN_PASSWORD_LENGTH, message=f"Use at least {MIN_PASSWORD_LENGTH} characters."),
        ],
    )
    confirm = PasswordField("Repeat the password", validators=[EqualTo("password", "The passwords differ.")])


class InviteForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired("Enter an email address."), Email("Enter a valid email.")])
    name = StringField("Name", validators=[Length(max=200, message="Use at most 200 characters.")])
    role = SelectField("Role", choices=[SelectChoice(r, r.title()) for r in ROLES])


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        "New password",
        validators=[
            DataRequired("Enter a new password."),
            Length(min=MIN_PASSWORD_LENGTH, message=f"Use at least {MIN_PASSWORD_LENGTH} characters."),
        ],
        description=f"At least {MIN_PASSWORD_LENGTH} characters.",
    )
    confirm = PasswordField("Repeat the new password", validators=[EqualTo("password", "The passwords differ.")])


class ForgotPasswordForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired("Enter your email address.")])


class CodeForm(FlaskForm):
    code = StringField(
        "Code from your authenticator app",
        validators=[DataRequired("Enter the 6-digit code.")],
        description="The 6 digits the app shows now.",
    )


class NewSiteForm(FlaskForm):
    slug = StringField(
        "Short name (in addresses)",
        validators=[DataRequired("Enter a short name, e.g. northside.")],
        description="1–64 lower-case letters, digits and hyphens, e.g. northside; used in widget and page addresses.",
    )
    name = StringField(
        "Clinic name",
        validators=[DataRequired("Enter the clinic's name."), Length(max=200, message="Use at most 200 characters.")],
    )
    admin_email = EmailField(
        "Its first administrator's email",
        validators=[DataRequired("Enter an email address.")],
        description="They sign in to the new site with this address (an address can belong to one site only).",
    )
    admin_password = PasswordField(
        "Their initial password",
        validators=[
            DataRequired("Enter a password."),
            Length(min=MIN_PASSWORD_LENGTH, message=f"Use at least {MIN_PASSWORD_LENGTH} characters."),
        ],
        description="Give it to them in person or by phone; they can change it on their account page.",
    )


class OwnPasswordForm(FlaskForm):
    current_password = PasswordField("Your current password", validators=[DataRequired("Enter your current password.")])
    password = PasswordField(
        "New password",
        validators=[
            DataRequired("Enter a new password."),
            Length(min=MIN_PASSWORD_LENGTH, message=f"Use at least {MIN_PASSWORD_LENGTH} characters."),
        ],
        description=(
            f"At least {MIN_PASSWORD_LENGTH} characters. You stay signed in here; other devices are signed out."
        ),
    )
    confirm = PasswordField("Repeat the new password", validators=[EqualTo("password", "The passwords differ.")])


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=[SelectChoice(r, r.title()) for r in ROLES])


class FeedForm(FlaskForm):
    url = StringField(
        "Feed URL",
        validators=[
            DataRequired("Enter the feed's address."),
            Length(max=2000, message="Use at most 2,000 characters."),
        ],
        description="The RSS, Atom or JSON Feed address, e.g. https://www.yourclinic.example/feed.xml",
    )
    interval_minutes = StringField(
        "Check every (minutes)",
        default="30",
        validators=[
            DataRequired("Enter a number of minutes."),
            Regexp(r"^\d{1,5}$", message="Enter a number of minutes, e.g. 30."),
        ],
        description="Between 5 and 1440 (a day).",
    )


class SubscriberLookupForm(FlaskForm):
    subscriber = StringField(
        "Subscriber number or email",
        validators=[
            DataRequired("Enter a subscriber number or email address."),
            Length(max=320, message="Use at most 320 characters."),
        ],
    )


class SubscriberImportForm(FlaskForm):
    file = FileField(
        "CSV file",
        validators=[FileRequired("Choose the CSV file to import.")],
        description="UTF-8 CSV with a header row: email, status, consent_date, consent_source, topics.",
    )
    dry_run = BooleanField("Dry run: check the file and show the report, import nothing", default=True)
