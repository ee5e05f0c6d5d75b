namespace Strangler.Proxy.Admin;

/// <summary>Body of POST /admin/routes/{id}/stage.</summary>
public sealed record StageChangeRequest(string? Stage, int? Weight, string? Reason);

/// <summary>Optional body of POST /admin/routes/{id}/rollback and DELETE.</summary>
public sealed record ReasonRequest(string? Reason);
