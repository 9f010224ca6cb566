"""URLs of the ARPENT stand-in, under the same paths as the real API."""

urlpatterns = []
