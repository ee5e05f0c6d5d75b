namespace Strangler.Cdc.Delivery;

/// <summary>A sink could not deliver a batch; the engine acknowledges nothing and restarts from the slot.</summary>
public sealed class SinkDeliveryException(string message, Exception? inner = null) : Exception(message, inner);
