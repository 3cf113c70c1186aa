"""Reading the forms a page renders, with the standard library's HTML parser."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class FormField:
    """One named control: its kind (input type, select, textarea), value, and options."""

    name: str
    kind: str
    value: str = ""
    options: list[str] = field(default_factory=list)
    checked: bool = False


@dataclass
class HtmlForm:
    """A `<form>`: where it posts, how, and its controls."""

    method: str
    action: str
    enctype: str
    fields: list[FormField] = field(default_factory=list)

    def defaults(self) -> dict[str, str | list[str]]:
        """What a browser would send untouched (checked boxes, selected options, values); a
        name sent several times (a list of checkboxes) maps to the list of its values."""
        values: dict[str, list[str]] = {}
        for control in self.fields:
            if control.kind in ("checkbox", "radio") and not control.checked:
                continue
            if control.kind in ("submit", "button", "file"):
                continue
            if control.kind == "select" and not control.value:
                value = control.options[0] if control.options else ""
            else:
                value = control.value
            values.setdefault(control.name, []).append(value)
        return {name: sent[0] if len(sent) == 1 else sent for name, sent in values.items()}

    def editable(self) -> list[FormField]:
        """The controls a user fills in (not the CSRF token, not buttons)."""
        return [c for c in self.fields
                if c.name != "csrf_token" and c.kind not in ("submit", "button", "reset", "image")]


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[HtmlForm] = []
        self._form: HtmlForm | None = None
        self._select: FormField | None = None
        self._in_option = False
        self._option_value: str | None = None
        self._option_selected = False
        self._option_text: list[str] = []
        self._textarea: FormField | None = None

    def handle_starttag(self, tag, attrs):
        attrs = {key: (value or "") for key, value in attrs}
        if tag == "form":
            self._form = HtmlForm(attrs.get("method", "get").lower(), attrs.get("action", ""),
                                  attrs.get("enctype", ""))
            self.forms.append(self._form)
        elif self._form is None or not attrs.get("name") and tag != "option":
            return
        elif tag == "input":
            kind = attrs.get("type", "text").lower()
            self._form.fields.append(FormField(attrs["name"], kind, attrs.get("value", ""),
                                               checked="checked" in attrs))
        elif tag == "select":
            self._select = FormField(attrs["name"], "select")
            self._form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._in_option = True
            self._option_value = attrs.get("value")
            self._option_selected = "selected" in attrs
            self._option_text = []
        elif tag == "textarea":
            self._textarea = FormField(attrs["name"], "textarea")
            self._form.fields.append(self._textarea)
        elif tag == "button" and attrs.get("name"):
            self._form.fields.append(FormField(attrs["name"], "submit", attrs.get("value", "")))

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data
        if self._in_option:
            self._option_text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "option" and self._in_option:
            self._in_option = False
            value = self._option_value if self._option_value is not None else "".join(self._option_text).strip()
            self._select.options.append(value)
            if self._option_selected:
                self._select.value = value
        elif tag == "textarea":
            self._textarea = None


def parse_forms(html: str) -> list[HtmlForm]:
    """Every form on the page, in order."""
    parser = _FormParser()
    parser.feed(html)
    parser.close()
    return parser.forms
