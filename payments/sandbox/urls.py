"""URL space of the sandbox partner payments/sandbox."""

urlpatterns = []
