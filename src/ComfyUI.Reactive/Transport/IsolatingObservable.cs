namespace ComfyUI.Reactive.Transport;

/// <summary>
/// Hands a hot source to many subscribers so that one subscriber's exception cannot starve the others or stop the
/// producer: the exception is reported to <paramref name="onSubscriberFailure"/> (which logs it) and delivery goes on.
/// </summary>
/// <remarks>Not <c>Observable.Create</c>: its auto-detaching wrapper would unsubscribe a subscriber on its first
/// exception. Rx operators in the subscriber's own chain may still end that chain; the other subscribers are unaffected.</remarks>
internal sealed class IsolatingObservable<T>(IObservable<T> source, Action<Exception> onSubscriberFailure) : IObservable<T>
{
    public IDisposable Subscribe(IObserver<T> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        return source.Subscribe(new IsolatedObserver(observer, onSubscriberFailure));
    }

    private sealed class IsolatedObserver(IObserver<T> inner, Action<Exception> onFailure) : IObserver<T>
    {
        public void OnNext(T value)
        {
            try
            {
                inner.OnNext(value);
            }
            catch (Exception ex)
            {
                onFailure(ex);
            }
        }

        public void OnError(Exception error)
        {
            try
            {
                inner.OnError(error);
            }
            catch (Exception ex)
            {
                onFailure(ex);
            }
        }

        public void OnCompleted()
        {
            try
            {
                inner.OnCompleted();
            }
            catch (Exception ex)
            {
                onFailure(ex);
            }
        }
    }
}
