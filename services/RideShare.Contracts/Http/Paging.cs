namespace RideShare.Contracts.Http;

/// <summary>Page-number paging shared by every list endpoint.</summary>
public readonly record struct Paging(int Page, int PageSize)
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 200;

    public int Skip => (Page - 1) * PageSize;

    public static Paging From(int? page, int? pageSize, ValidationErrors errors)
    {
        var p = page ?? 1;
        var size = pageSize ?? DefaultPageSize;
        if (p < 1)
        {
            errors.Add("page", "page must be 1 or more.");
        }

        if (size is < 1 or > MaxPageSize)
        {
            errors.Add("pageSize", $"pageSize must be between 1 and {MaxPageSize}.");
        }
        else if (p >= 1 && (long)(p - 1) * size > int.MaxValue)
        {
            // The offset must fit the database's; no list here comes near 2^31 items.
            errors.Add("page", $"page is too large: with pageSize {size} the last possible page is {(int.MaxValue / size) + 1}.");
        }

        return new Paging(p, size);
    }
}
