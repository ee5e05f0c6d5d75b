namespace RideShare.Contracts.Http;

/// <summary>One page of a list: items in ascending id order, and the total across all pages.</summary>
public sealed record PageResponse<T>(IReadOnlyList<T> Items, int Page, int PageSize, long Total);
