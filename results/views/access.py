"""Who may open a title's pages: its members, and for some pages its admins only."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from ..models import Departement, Membership, Title
from . import composed


def _title(request, slug, **facts):
    """The title, if the user belongs to it; other titles do not exist for them.

    Whether the user is one of its admins comes with it, in the same query: most pages ask.
    So do the page's `facts`, subqueries named as the attributes they give the title (a
    count, a flag): a page pays one round trip for them all instead of one each.
    """
    admin = composed.exists(_admin_membership, request.user.pk, slug)
    titles = Title.objects.annotate(user_is_admin=admin, **facts)
    title = get_object_or_404(titles, slug=slug, members=request.user)
    title.admin_checked_for = request.user.pk
    return title


def _admin_membership(user_pk, slug):
    return Membership.objects.filter(user=user_pk, title__slug=slug, role=Membership.Role.ADMIN)


def _is_admin(user, title):
    if getattr(title, "admin_checked_for", None) == user.pk:
        return title.user_is_admin
    return Membership.objects.filter(user=user, title=title, role=Membership.Role.ADMIN).exists()


ADMINS_ONLY = "Cette page est réservée aux administrateurs du titre."


def _admin_title(request, slug):
    """The title, if the user is one of its admins; 403 for its other members, 404 for the
    rest, as for every page of a title."""
    title = _title(request, slug)
    if not _is_admin(request.user, title):
        raise PermissionDenied(ADMINS_ONLY)
    return title


def _followed(title, code):
    """The département `code` if the title follows it: the others do not exist for its pages."""
    for departement in composed.rows(_followed_departement, title.pk, code):
        return departement
    raise Http404("Ce département n'est pas suivi par ce titre.")


def _followed_departement(title_pk, code):
    return Departement.objects.filter(followers=title_pk, code=code)
