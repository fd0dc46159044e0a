"""URL space of the sandbox partner providers/sandbox."""

urlpatterns = []
