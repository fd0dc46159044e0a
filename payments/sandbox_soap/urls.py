"""URL space of the sandbox partner payments/sandbox_soap."""

urlpatterns = []
