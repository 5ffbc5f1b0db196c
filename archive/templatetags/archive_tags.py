from django import template

register = template.Library()


@register.filter
def http_url(value: str) -> str:
    """The URL if it is a web address, else nothing: no other scheme becomes a link."""
    text = (value or "").strip()
    return text if text.lower().startswith(("http://", "https://")) else ""
