namespace Strangler.Cdc.Apply;

/// <summary>Thrown by a projection for a change it cannot apply (a missing required value, a type it cannot store): the change is dead-lettered.</summary>
public sealed class PoisonChangeException(string reason, Exception? inner = null) : Exception(reason, inner);
