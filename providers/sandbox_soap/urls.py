"""URL space of the sandbox partner providers/sandbox_soap."""

urlpatterns = []
